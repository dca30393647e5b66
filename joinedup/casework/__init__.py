"""Integrated casework: consent, referral, early help assessment, allocation panel, Team Around
the Child, lead professional, plan, review and closure."""
