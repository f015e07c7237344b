import PenultimateKit
print("minilab: not yet implemented")
