import PenultimateKit
print("eta: not yet implemented")
