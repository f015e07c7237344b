import Foundation
import FeatureStore
import HDF5
import Testing
import TestSupport

@Suite struct RoundTripTests {
    let classes = ClassList(wnids: ["n01440764", "n01443537", "n01484850"], names: ["tench", "goldfish", "great white shark"])
    let dim = 4
    let weight = (0..<12).map { Float($0) / 4 }
    let bias: [Float] = [0.5, -1, 2]

    func write(_ path: String, options: FeatureWriter.Options) throws -> (features: [Float], labels: [Int32]) {
        let features = toyFeatures(rows: 11, dim: dim)
        let labels: [Int32] = [0, 1, 2, 2, 1, 0, 0, 1, 2, 1, 1]
        let writer = try FeatureWriter(path: path, attributes: toyAttributes, classes: classes,
                                       weight: weight, bias: bias, options: options)
        try writer.append(split: "train", features: Array(features[0..<(7 * dim)]), labels: Array(labels[0..<7]),
                          sampleIndex: (0..<7).map(Int64.init), logits: (0..<21).map(Float.init))
        try writer.append(split: "train", features: Array(features[(7 * dim)...]), labels: Array(labels[7...]),
                          sampleIndex: (7..<11).map(Int64.init), logits: (21..<33).map(Float.init))
        try writer.append(split: "val", features: Array(features[0..<(2 * dim)]), labels: [2, 0])
        try writer.finish()
        return (features, labels)
    }

    @Test func writerFileReadsBackExactly() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("d.h5").path
        let (features, labels) = try write(path, options: .init(chunkRows: 4))
        let dump = try Dump.open(path)
        #expect(dump.layout == .single)
        var expected = toyAttributes
        expected.writer = FeatureWriter.writerName
        #expect(dump.attributes == expected)
        #expect(dump.attributes.provenance["kd_temperature"] == "4.0")
        #expect(dump.classes == classes)
        #expect(dump.classes.label(2) == "great white shark")
        #expect(dump.classes.wnids?.firstIndex(of: "n01443537") == 1)
        #expect(dump.dim == 4)
        #expect(dump.splitNames == ["train", "val"])
        let (w, b) = try dump.classifier()
        #expect(w == weight && b == bias)

        let train = try dump.split("train")
        #expect(train.rows == 11 && train.dim == 4 && train.storedType == .float32)
        #expect(train.chunkRows == 4 && train.compression == "none" && train.hasLogits && train.duplicatesDropped == 0)
        let all = try readAll(train, maxRows: 3, logits: true)
        #expect(all.features == features && all.labels == labels)
        #expect(all.sampleIndex == (0..<11).map(Int64.init))
        #expect(all.logits == (0..<33).map(Float.init))
        #expect(all.blocks == 4)  // 3-row blocks: chunk rows 4 > maxRows, so blocks of 3
        #expect(try train.labels() == labels)

        // Class filter: only rows of classes 1 and 2, in order, with their own features.
        let picked = try readAll(train, maxRows: 2, classes: [1, 2])
        let rows = labels.indices.filter { labels[$0] != 0 }
        #expect(picked.labels == rows.map { labels[$0] })
        #expect(picked.features == rows.flatMap { features[($0 * dim)..<(($0 + 1) * dim)] })
        #expect(picked.sampleIndex == rows.map(Int64.init))

        let val = try dump.split("val")
        #expect(val.rows == 2 && !val.hasLogits)
        #expect(try readAll(val).features == Array(features[0..<8]))
        let report = dump.validate()
        #expect(report.problems.isEmpty)
        #expect(report.splits["train"]?.classCounts == [3, 5, 3])
        // The toy logits 0, 1, 2, ... are not features·Wᵀ + b: validation checks every row.
        #expect(report.splits["train"]?.logitRowsChecked == 11)
        #expect(report.splits["train"]?.logitRowsBeyond == 11)
        #expect(!report.isValid && report.messages.contains { $0.contains("/splits/train/logits") && $0.contains("classifier's input") })
    }

    @Test func float16GzipWriterFileReadsBackAsRoundedFloats() throws {
        let path = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests")).appendingPathComponent("h.h5").path
        let (features, _) = try write(path, options: .init(featureType: .float16, gzipLevel: 4))
        let train = try Dump.open(path).split("train")
        #expect(train.storedType == .float16)
        #expect(train.compression == "gzip(4)+shuffle")
        #expect(try readAll(train, maxRows: 64).features == features.map { Float(Float16($0)) })
    }

    @Test func writerFileIsReadByH5pyExactly() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        for (name, type) in [("f32.h5", FeatureWriter.Options.FeatureType.float32), ("f16.h5", .float16)] {
            let (features, labels) = try write(dir.appendingPathComponent(name).path,
                                               options: .init(featureType: type, gzipLevel: type == .float16 ? 1 : nil))
            try writeRaw(features, to: dir.appendingPathComponent(name + ".f32"))
            try writeRaw(labels.map(Int64.init), to: dir.appendingPathComponent(name + ".labels"))
        }
        let out = try python(#"""
        for name, dt in [("f32.h5", "float32"), ("f16.h5", "float16")]:
            expect = np.fromfile(name + ".f32", dtype="f4").reshape(-1, 4)
            labels = np.fromfile(name + ".labels", dtype="i8")
            with h5py.File(name, "r") as f:
                x = f["splits/train/features"]
                assert x.dtype == np.dtype(dt), x.dtype
                assert np.array_equal(x[:], expect.astype(dt)), (x[:], expect.astype(dt))
                assert f["splits/train/labels"].dtype == np.int64
                assert np.array_equal(f["splits/train/labels"][:], labels)
                assert np.array_equal(f["splits/train/sample_index"][:], np.arange(11))
                assert np.array_equal(f["splits/train/logits"][:], np.arange(33, dtype="f4").reshape(11, 3))
                assert [s.decode() for s in f["classes/name"][:]] == ["tench", "goldfish", "great white shark"]
                assert f.attrs["format"] == "penultimate-features" and f.attrs["format_version"] == 1
                assert f.attrs["role"] == "student" and f.attrs["kd_temperature"] == 4.0
                assert f.attrs["config_json"] == '{"lr":0.1}'
                assert np.array_equal(f["classifier/weight"][:], np.arange(12, dtype="f4").reshape(3, 4) / 4)
        print("ok")
        """#, in: dir)
        #expect(out == "ok\n")
    }

    @Test(arguments: [("f4", "gzip"), ("f4", ""), ("f2", "gzip"), ("f2", "")])
    func h5pyFileIsReadBySwiftExactly(dtype: String, compression: String) throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        try python("""
        x, y = toy(N=9, D=5, seed=1)
        write_dump("d.h5", x, y, dtype="\(dtype)", compression=\(compression.isEmpty ? "None" : "'gzip'"), label_dtype="i2")
        x.astype("\(dtype)").astype("f4").tofile("x.f32"); y.astype("i4").tofile("y.i32")
        """, in: dir)
        let dump = try Dump.open(dir.appendingPathComponent("d.h5").path)
        #expect(dump.attributes.model == "resnet18" && dump.attributes.lsAlpha == 0.1 && dump.attributes.seed == 7)
        let train = try dump.split("train")
        #expect(train.storedType == (dtype == "f2" ? .float16 : .float32))
        let all = try readAll(train, maxRows: 4)
        #expect(all.features == (try readRaw(dir.appendingPathComponent("x.f32"), as: Float.self)))
        #expect(all.labels == (try readRaw(dir.appendingPathComponent("y.i32"), as: Int32.self)))
    }

    @Test func shardsAndManifestDropPaddingDuplicates() throws {
        let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
        // 3 ranks × 4 rows over 11 samples: rank 2's last row repeats sample 0 (DistributedSampler padding).
        try python(#"""
        x, y = toy(N=11, D=4, seed=2)
        order = [list(range(0, 11, 3)), list(range(1, 11, 3)), list(range(2, 11, 3)) + [0]]
        for r, idx in enumerate(order):
            write_dump(f"d.rank{r}.h5", x[idx], y[idx], sample_index=idx,
                       attrs=dict(shard_rank=np.int64(r), shard_count=np.int64(3)))
        with h5py.File("d.h5", "w", libver=V110) as f:
            with h5py.File("d.rank0.h5") as s:
                for k, v in s.attrs.items():
                    if not k.startswith("shard"): f.attrs[k] = v
                s.copy("classes", f); s.copy("classifier", f)
            f.attrs["manifest_shards"] = [f"d.rank{r}.h5" for r in range(3)]
            for name, shape, dt in [("features", (4,), "f4"), ("labels", (), "i8"), ("sample_index", (), "i8")]:
                n = sum(len(i) for i in order)
                layout = h5py.VirtualLayout(shape=(n,) + shape, dtype=dt)
                start = 0
                for r, idx in enumerate(order):
                    layout[start:start + len(idx)] = h5py.VirtualSource(f"d.rank{r}.h5", f"splits/train/{name}", shape=(len(idx),) + shape)
                    start += len(idx)
                f.create_virtual_dataset(f"splits/train/{name}", layout)
        cat = np.concatenate(order)
        keep = np.unique(cat, return_index=True)[1]; keep.sort()
        x[cat[keep]].tofile("x.f32"); cat[keep].astype("i8").tofile("idx.i64")
        """#, in: dir)
        let expectedFeatures = try readRaw(dir.appendingPathComponent("x.f32"), as: Float.self)
        let expectedIndex = try readRaw(dir.appendingPathComponent("idx.i64"), as: Int64.self)
        let shards = [2, 0, 1].map { dir.appendingPathComponent("d.rank\($0).h5").path }  // any order
        let manifest = dir.appendingPathComponent("d.h5").path
        for (paths, layout) in [(shards, Dump.Layout.shards), ([manifest], .manifest)] {
            let dump = try Dump.open(paths)
            #expect(dump.layout == layout)
            let train = try dump.split("train")
            #expect(train.rows == 11 && train.duplicatesDropped == 1)
            let all = try readAll(train, maxRows: 3)
            #expect(all.sampleIndex == expectedIndex)
            #expect(all.features == expectedFeatures)
            #expect(dump.validate().splits["train"]?.duplicatesDropped == 1)
        }
    }
}

@Test func swiftShardsAndManifestReadBackInSwiftAndH5py() throws {
    let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
    let dim = 3
    let classes = ClassList(wnids: ["n1", "n2"])
    let features = toyFeatures(rows: 7, dim: dim)
    // Rank 0 holds samples 0, 2, 4, 6; rank 1 holds 1, 3, 5 and the padding repeat of 0.
    let parts: [[Int]] = [[0, 2, 4, 6], [1, 3, 5, 0]]
    var shardPaths: [String] = []
    for (rank, rows) in parts.enumerated() {
        var a = toyAttributes
        a.shardRank = Int64(rank)
        a.shardCount = 2
        let path = dir.appendingPathComponent("run.rank\(rank).h5").path
        let w = try FeatureWriter(path: path, attributes: a, classes: classes, weight: [1, 2, 3, 4, 5, 6], bias: [0, 1],
                                  options: .init(featureType: .float16, chunkRows: 2))
        try w.append(split: "val", features: rows.flatMap { features[($0 * dim)..<(($0 + 1) * dim)] },
                     labels: rows.map { Int32($0 % 2) }, sampleIndex: rows.map(Int64.init))
        try w.finish()
        shardPaths.append(path)
    }
    let manifest = dir.appendingPathComponent("run.h5").path
    try FeatureWriter.writeManifest(path: manifest, shards: shardPaths)
    // The Swift reader lets go of the files before h5py opens them: libhdf5 locks open files,
    // and a lock still held by this process makes h5py's open fail with EAGAIN.
    let all: (features: [Float], sampleIndex: [Int64]?) = try {
        let dump = try Dump.open(manifest)
        #expect(dump.layout == .manifest && dump.attributes.shardRank == nil)
        let val = try dump.split("val")
        #expect(val.rows == 7 && val.duplicatesDropped == 1 && val.storedType == .float16)
        let block = try readAll(val, maxRows: 3)
        return (block.features, block.sampleIndex)
    }()
    let order = [0, 2, 4, 6, 1, 3, 5]
    #expect(all.sampleIndex == order.map(Int64.init))
    let expected: [Float] = order.flatMap { (row: Int) -> [Float] in
        features[(row * dim)..<((row + 1) * dim)].map { Float(Float16($0)) }
    }
    #expect(all.features == expected)
    try writeRaw(all.features, to: dir.appendingPathComponent("x.f32"))
    let out = try python(#"""
    with h5py.File("run.h5") as f:
        assert list(f.attrs["manifest_shards"]) == ["run.rank0.h5", "run.rank1.h5"], f.attrs["manifest_shards"]
        assert "shard_rank" not in f.attrs
        x = f["splits/val/features"][:]; s = f["splits/val/sample_index"][:]
        assert x.dtype == np.float16 and x.shape == (8, 3)
        assert list(s) == [0, 2, 4, 6, 1, 3, 5, 0]
        assert np.array_equal(x[:7].astype("f4").ravel(), np.fromfile("x.f32", dtype="f4"))
    print("ok")
    """#, in: dir)
    #expect(out == "ok\n")
}

@Test func fixedLengthStringsFloat64FeaturesAndUnsignedLabelsAreAccepted() throws {
    let dir = URL(fileURLWithPath: try temporaryDirectory(prefix: "featurestore-tests"))
    try python(#"""
    x, y = toy(N=6, D=2)
    def fixed(f):
        del f["classes/wnid"]
        f["classes/wnid"] = np.array([b"n00000001", b"n00000002", b"n00000003"], dtype="S9")
        f["classes/name"] = np.array([b"ant", b"bee", b"cat"], dtype="S3")
        f.attrs["model"] = np.bytes_(b"vgg16")
        f.attrs["role"] = np.bytes_(b"teacher")
    write_dump("d.h5", x, y, dtype="f8", label_dtype="u1", extra=fixed)
    x.astype("f8").astype("f4").tofile("x.f32")
    """#, in: dir)
    let dump = try Dump.open(dir.appendingPathComponent("d.h5").path)
    #expect(dump.attributes.model == "vgg16" && dump.attributes.role == .teacher)
    #expect(dump.classes.wnids == ["n00000001", "n00000002", "n00000003"])
    #expect(dump.classes.names == ["ant", "bee", "cat"])
    let train = try dump.split("train")
    #expect(train.storedType == .float64)
    let all = try readAll(train)
    #expect(all.features == (try readRaw(dir.appendingPathComponent("x.f32"), as: Float.self)))
    #expect(all.labels == [0, 1, 2, 0, 1, 2])
}
