"""consentry.fingerprints"""
