"""consentry.ledger"""
