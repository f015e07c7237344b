import PenultimateKit
print("inspect: not yet implemented")
