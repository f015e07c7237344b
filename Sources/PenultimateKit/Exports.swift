// The tools import PenultimateKit alone: it brings the modules whose types appear in its API.
@_exported import Analysis
@_exported import FeatureStore
@_exported import Figures
@_exported import Taxonomy
@_exported import ToolSupport
