"""consentry.api"""
