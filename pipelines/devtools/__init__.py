"""Developer tools: the benchmark (and its generated corpus) and the gold evaluation."""
