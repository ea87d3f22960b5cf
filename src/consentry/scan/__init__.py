"""consentry.scan"""
