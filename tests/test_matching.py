"""Where a token matches: the boundary semantics, case by case."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nolegacyruns.config.loading import Config
from nolegacyruns.config.selection import build_ruleset
from nolegacyruns.rules.matching import TokenMatcher

TOKENS = {
    "InventorySyncRun": "NLR002",
    "InventorySyncRuns": "NLR002",
    "inventory_sync_runs": "NLR001",
    "inventory.sync": "NLR004",
    "inventory-sync-runs": "NLR005",
}
MATCHER = TokenMatcher(TOKENS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("InventorySyncRunResource", ["InventorySyncRun"], id="upper-case-after"),
        pytest.param("inventory_sync_runs_total", ["inventory_sync_runs"], id="underscore-after"),
        pytest.param("myInventorySyncRun", ["InventorySyncRun"], id="camel-hump-before"),
        pytest.param("inventory-sync-runs.index", ["inventory-sync-runs"], id="dot-after"),
        pytest.param("_inventory_sync_runs", ["inventory_sync_runs"], id="underscore-before"),
        pytest.param("InventorySyncRuns", ["InventorySyncRuns"], id="longest-token-wins"),
        pytest.param("InventorySyncRunner", [], id="lower-case-after"),
        pytest.param("xinventory_sync_runs", [], id="lower-case-before"),
        pytest.param("inventory.synchronize", [], id="dotted-prefix-only"),
        pytest.param("2InventorySyncRun", [], id="digit-before"),
        pytest.param("inventory_sync_runs2", [], id="digit-after"),
        pytest.param("Inventory_Sync_Runs", [], id="case-sensitive"),
        pytest.param("a inventory.sync b inventory.sync", ["inventory.sync", "inventory.sync"], id="repeats"),
    ],
)
def test_boundaries(text: str, expected: list[str]) -> None:
    assert [m.token for m in MATCHER.finditer(text)] == expected


VALUES = TokenMatcher(
    {"inventory.sync": "NLR004", "backup_schedule.run": "NLR004"}, values=["inventory.sync", "backup_schedule.run"]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("inventory.sync", ["inventory.sync"], id="whole-string"),
        pytest.param("'inventory.sync'", ["inventory.sync"], id="quote-after"),
        pytest.param("inventory.sync.failed", ["inventory.sync"], id="dot-after"),
        pytest.param("inventory.sync started", ["inventory.sync"], id="space-after"),
        pytest.param("backup_schedule.run: nightly", ["backup_schedule.run"], id="punctuation-after"),
        pytest.param("inventory.sync_interval", [], id="underscore-continues-a-key"),
        pytest.param("inventory.syncInterval", [], id="upper-case-letter-continues-a-key"),
        pytest.param("backup_schedule.runs", [], id="letter-continues-a-key"),
        pytest.param("inventory.sync2", [], id="digit-continues-a-key"),
        pytest.param("backup_schedule_run", [], id="canonical-type"),
    ],
)
def test_value_boundaries(text: str, expected: list[str]) -> None:
    assert [m.token for m in VALUES.finditer(text)] == expected


def test_words_and_values_mix_in_one_matcher() -> None:
    matcher = TokenMatcher({"inventory.sync": "NLR004", "inventory_sync_runs": "NLR001"}, values=["inventory.sync"])
    assert [m.token for m in matcher.finditer("inventory_sync_runs_total inventory.sync_x")] == ["inventory_sync_runs"]


def test_value_tokens_fold_case_too() -> None:
    matcher = TokenMatcher({"inventory.sync": "NLR004"}, fold_case=True, values=["inventory.sync"])
    assert [m.token for m in matcher.finditer("INVENTORY.SYNC INVENTORY.SYNC_X")] == ["INVENTORY.SYNC"]


def test_folded_matching_is_case_insensitive_and_keeps_offsets() -> None:
    matcher = TokenMatcher({"inventory_sync_runs": "NLR001"}, fold_case=True)
    [match] = matcher.finditer("FROM Inventory_Sync_Runs r")
    assert (match.start, match.end, match.token, match.owner) == (5, 24, "Inventory_Sync_Runs", "NLR001")


def test_matching_inside_a_span_uses_the_span_edges() -> None:
    [match] = MATCHER.finditer('x = "inventory_sync_runs"', 5, 24)
    assert (match.start, match.end) == (5, 24)


def test_prefilter_anchors_cover_every_token_of_every_rule_in_any_case() -> None:
    from nolegacyruns.rules.pack import load_rules
    from nolegacyruns.rules.prefilter import covering_grams
    from nolegacyruns.rules.ruleset import RuleSet, anchors_for

    ruleset = RuleSet(load_rules())
    for rule in ruleset.all_rules.values():
        for token in rule.tokens:
            assert ruleset.may_match(f"x = '{token.upper()}'"), token
    assert not ruleset.may_match("from app.models import OperationRun  # inventory_sync")
    assert ruleset.may_match("# nolegacyruns: ignore[NLR001] why")
    assert anchors_for(["abc", "abcd", "xabcx", "zz"]) == ("abc", "zz")
    grams = covering_grams(["inventory_sync_runs", "entra_group.sync", "last_seen_run_id", "ab"])
    assert all(
        any(g in t for g in grams) for t in ["inventory_sync_runs", "entra_group.sync", "last_seen_run_id", "ab"]
    )
    assert len(grams) <= 3


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("x = 'inventory_sync_runs'", id="plain"),
        pytest.param("SELECT * FROM INVENTORY_SYNC_RUNS", id="upper-case"),
        pytest.param("SELECT * FROM BAC\u212aUP_SCHEDULE_RUNS", id="kelvin-sign-lowers-to-k"),
        pytest.param("x = '\u0130nventory_sync_runs'", id="dotted-capital-i"),
        pytest.param("\ufeff# nolegacyruns: ignore[NLR001]", id="bom-and-directive"),
        pytest.param("nothing to see", id="clean"),
    ],
)
def test_the_prefilter_on_bytes_passes_every_text_the_text_prefilter_passes(text: str) -> None:
    ruleset = build_ruleset(Config(root=Path(".")))
    assert ruleset.may_match_bytes(text.encode("utf-8")) >= ruleset.may_match(text)


@given(
    anchors=st.lists(st.text(alphabet="ab_.c", min_size=1, max_size=7), min_size=1, max_size=6),
    text=st.text(alphabet="ab_.cx", max_size=60),
    width=st.integers(min_value=1, max_value=5),
)
@settings(max_examples=300, derandomize=True, deadline=None)
def test_the_gram_index_finds_an_anchor_exactly_when_one_occurs(anchors: list[str], text: str, width: int) -> None:
    from nolegacyruns.rules.prefilter import GramIndex, covering_grams

    index = GramIndex(anchors, covering_grams(anchors, width))
    assert index.found_in(text) == any(anchor in text for anchor in anchors)
    data = [anchor.encode() for anchor in anchors]
    byte_index = GramIndex(data, [gram.encode() for gram in covering_grams(anchors, width)])
    assert byte_index.found_in(text.encode()) == index.found_in(text)


def test_a_gram_index_refuses_grams_that_leave_an_anchor_uncovered() -> None:
    from nolegacyruns.rules.prefilter import GramIndex

    with pytest.raises(ValueError, match="do not cover"):
        GramIndex(["inventory_sync_runs", "baseline_run_id"], ["sync"])
