"""consentry.signals"""
