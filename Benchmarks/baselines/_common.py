"""Shared argument parsing for the baseline scripts (dump path and split name)."""
import argparse


def parse(description: str, extra=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("dump", help="format-v1 feature dump (.h5)")
    ap.add_argument("--split", default="train")
    if extra:
        extra(ap)
    return ap.parse_args()
