import PenultimateKit
print("plot: not yet implemented")
