#!/bin/bash
# (being written)
. "$(dirname "$0")/lib.sh"

test_done
