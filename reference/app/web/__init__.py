"""The operations viewer's web layer: sign-in, access checks, page data, templates and views."""
