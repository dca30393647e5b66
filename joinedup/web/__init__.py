"""The pages: sign-in, a home page per role, child search and summary, the audit page."""
