"""How a plan runs: ``lower`` turns an optimized plan into partition tasks (and caches computed
partitions), ``executors`` submit them in the driver or on ``runtime``, ``progress`` shows a bar
for long computations."""
