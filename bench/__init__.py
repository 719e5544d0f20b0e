"""make bench: the front ends as shipped, their peers and the limits under wrk, in one run on this machine.

python -m bench [--smoke] [--only ROW ...]; results in bench/results/<timestamp>/ (README, "Performance").
"""
