"""Formats: graded rows -> the files people and LMSs read."""
