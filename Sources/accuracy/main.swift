import PenultimateKit
print("accuracy: not yet implemented")
