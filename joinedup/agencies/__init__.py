"""The authority and its partners: localities, agencies, services and teams."""
