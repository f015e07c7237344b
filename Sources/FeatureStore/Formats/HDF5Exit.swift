import HDF5
import ToolSupport

// A libhdf5 failure that reaches a tool's edge came from a file the user passed in: bad input
// (65), like every other error of the formats. Declared here, in the module that owns the formats
// and imports HDF5, so that the workflows above (PenultimateKit) need not import HDF5 to map it.
extension HDF5Error: BadInput {}
