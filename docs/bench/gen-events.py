#!/usr/bin/env python3
"""Writes the payload file used for the compression figures in docs/BENCHMARKS.md:
2,000 click-stream events as one-line JSON (about 220 bytes each), deterministic (seed 7).
Usage: python3 docs/bench/gen-events.py > /tmp/events.jsonl"""
import json
import random
import sys

random.seed(7)
pages = ['/', '/products', '/cart', '/checkout', '/search', '/account', '/help']
agents = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0']
for i in range(2000):
    e = {"ts": 1700000000000 + random.randint(0, 10**8), "user": "u%06d" % random.randint(0, 999999),
         "session": "%016x" % random.getrandbits(64),
         "event": random.choice(["view", "click", "add_to_cart", "purchase"]),
         "page": random.choice(pages) + ("/%d" % random.randint(1, 5000) if random.random() < 0.6 else ""),
         "agent": random.choice(agents), "ms": random.randint(1, 3000)}
    sys.stdout.write(json.dumps(e, separators=(',', ':')) + '\n')
