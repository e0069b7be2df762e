"""groupby"""
