"""reshape"""
