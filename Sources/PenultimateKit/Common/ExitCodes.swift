import Analysis
import FeatureStore
import Figures
import Taxonomy
import ToolSupport

// Which exit status each module's errors end a tool with. The modules stay free of tool
// concerns; this is the one place that maps them. Errors here are caused by what the user
// passed in (files, class names, rules), so they are bad input (65); anything else that
// reaches a tool's edge is an internal failure (70).
extension InputError: BadInput {}  // also FeatureStore's StoreError, the same type
// HDF5Error is mapped in FeatureStore (Formats/HDF5Exit.swift), so this module needs no HDF5.
extension AnalysisError: BadInput {}
extension TaxonomyError: BadInput {}
extension FigureError: BadInput {}
