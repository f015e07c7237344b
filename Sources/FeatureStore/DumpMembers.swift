/// The files a dump is read from, for callers that must not write over them.
extension Dump {
    /// The paths given to ``open(_:)`` and, for a manifest, the shard files its
    /// `manifest_shards` attribute names (resolved against the manifest's folder). libhdf5 reads
    /// a manifest's rows from those shards, so replacing one destroys the dump as much as
    /// replacing the manifest itself.
    public var memberFiles: [String] { paths + manifestShards }
}
