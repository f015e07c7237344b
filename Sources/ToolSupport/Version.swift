/// The version of the penultimate toolkit, shown by every tool and recorded in provenance.
public enum PenultimateVersion {
    /// Semantic version string, e.g. "0.1.0".
    public static let string = "0.1.0"
}
