"""Notices on members' behalf: kinds, eligibility, letters, campaigns, delivery, evidence."""
