// The umbrella the tools import: PenultimateKit and the modules whose types appear in its API.
// Re-exports only; no code lives here.
@_exported import Analysis
@_exported import FeatureStore
@_exported import Figures
@_exported import PenultimateKit
@_exported import Taxonomy
@_exported import ToolSupport
