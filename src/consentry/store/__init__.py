"""consentry.store"""
