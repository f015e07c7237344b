import PenultimateKit
print("project: not yet implemented")
