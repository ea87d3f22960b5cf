"""Web accounts: people who sign in to the web application with email and password.

``rules.py`` is the pure core (password policy, email normalisation, which role needs a
party, what a session or a one-time token is); ``service.py`` the use cases over a unit of
work (sign up, sign in, sessions, password reset and invitations).
"""
