import HDF5

/// A problem with a feature dump: the located ``InputError``, under the name FeatureStore's typed
/// throws use. The same type (not a copy): a workflow can rethrow it, compare it or catch it as either.
public typealias StoreError = InputError

extension InputError {
    /// The fix for files written by HDF5 2.0 with `libver="latest"`, which libhdf5 1.10 cannot read.
    static let libverFix = "the file was likely written by HDF5 >= 1.12/2.0 with libver=\"latest\"; re-save it with h5py File(..., libver=(\"earliest\", \"v110\")), or rewrite it with the newer HDF5's `h5repack --high=2 in.h5 out.h5` (high bound v110)"

    /// The fix for a filter this libhdf5 cannot decode.
    static let filterFix = "rewrite it with gzip: `h5repack -f GZIP=4 in.h5 out.h5` (with the plugin installed, e.g. from Python's hdf5plugin)"

    /// Wraps a libhdf5 failure, recognising the known incompatibilities.
    init(_ error: HDF5Error, file: String, object: String) {
        self.file = file
        self.object = object
        if error.stackMentions("unable to open external raw data file") {
            self.message = "cannot \(error.operation): \(error.innermost)"
            self.fix = "keep the external raw files where the HDF5 file's folder (or a HDF5_EXTFILE_PREFIX set before the run) puts them, or rewrite it with its data inside (`h5repack`)"
        } else if error.stackMentions("external file prefix does not match") {
            self.message = "this file is already open by a path in another folder (a link?), and libhdf5 would resolve its external raw files against both (\(error.innermost))"
            self.fix = "give the file by one path"
        } else if error.stackMentions("layout") || error.stackMentions("pline") || error.stackMentions("efl")
            || error.stackMentions("bad version number") || error.stackMentions("unable to decode") {
            self.message = "libhdf5 \(Self.libraryVersion) cannot read this object (\(error.innermost))"
            self.fix = Self.libverFix
        } else if error.stackMentions("filter") && (error.stackMentions("not registered") || error.stackMentions("can't open")
                                                    || error.stackMentions("plugin") || error.stackMentions("not available")) {
            self.message = "a compression filter is not available (\(error.innermost))"
            self.fix = Self.filterFix
        } else if error.stackMentions("truncated") {
            self.message = "the file is truncated (\(error.innermost))"
            self.fix = "copy or download it again"
        } else {
            self.message = "cannot \(error.operation): \(error.innermost)"
            self.fix = nil
        }
    }

    static var libraryVersion: String {
        let v = HDF5Library.version
        return "\(v.major).\(v.minor).\(v.release)"
    }
}

/// Runs an HDF5 call, turning its error into a ``StoreError`` about `object` in `file`.
func hdf5<T>(_ file: String, _ object: String, _ body: () throws(HDF5Error) -> T) throws(StoreError) -> T {
    do { return try body() } catch { throw StoreError(error, file: file, object: object) }
}
