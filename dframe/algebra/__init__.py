"""Partition algebra: small picklable functions that plan nodes run on partitions."""
