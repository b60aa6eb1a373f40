"""Classes: a folder of submissions -> the gradebook and the class's set of outputs."""
