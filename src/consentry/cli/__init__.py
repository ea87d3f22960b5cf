"""consentry.cli"""
