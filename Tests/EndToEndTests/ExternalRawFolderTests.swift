import Foundation
import TestSupport
import Testing

// P10: relative external raw storage names (H5Pset_external) resolve against the folder of the
// HDF5 file that holds the dataset, in every tool, whatever the working folder and whatever order
// files are opened in. Two dumps in different folders name the same relative raw file
// (raw/twin.bin) with different bytes; the tools run in a working folder whose own raw/twin.bin is
// a decoy. Each result must equal the one from the same dumps with their features inside, and
// centroids must equal numpy's sums over each dump's own raw file. (libhdf5 1.10.8 reads
// HDF5_EXTFILE_PREFIX once, when the library initialises, so a prefix the process set after its
// first libhdf5 call was ignored: `eta` on these dumps failed from any other working folder, and
// would have read the decoy had the checks looked where libhdf5 did.)

/// The files of Tests/Corpus/external_raw_folders.py, made once per test process.
struct ExternalRawFolders: Sendable {
    var root: URL
    var work: URL { root.appendingPathComponent("work") }
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static let script = corpusPackageRoot.appendingPathComponent("Tests/Corpus/external_raw_folders.py").path

    static let shared: Result<ExternalRawFolders, CorpusSetupError> = {
        let root = URL(fileURLWithPath: testScratchRoot).appendingPathComponent("external-raw-folder")
        try? FileManager.default.removeItem(at: root)
        do {
            let made = try runProcess("/usr/bin/env", ["python3", script, "setup", root.path], timeout: 300)
            guard made.status == 0, !made.signaled else { return .failure(CorpusSetupError(message: "\(made)")) }
        } catch { return .failure(CorpusSetupError(message: "python3 \(script): \(error)")) }
        return .success(ExternalRawFolders(root: root))
    }()

    static func load() throws -> ExternalRawFolders { try shared.get() }

    /// Runs `tool` in the decoy working folder; it must succeed.
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        let run = try CorpusTool.run(tool, arguments, timeout: 60, currentDirectory: work)
        #expect(run.status == 0 && !run.signaled, "\(tool) \(arguments.joined(separator: " ")): \(run)")
        return run.stdout
    }

    /// A JSON result without what names the inputs (provenance, paths), for comparing the numbers
    /// of two runs over different files.
    static func numbers(_ json: String) throws -> NSDictionary {
        func strip(_ value: Any) -> Any {
            if let d = value as? [String: Any] {
                var out: [String: Any] = [:]
                for (k, v) in d where !["provenance", "path", "paths", "inputs", "files", "command_line"].contains(k) {
                    out[k] = strip(v)
                }
                return out
            }
            if let a = value as? [Any] { return a.map(strip) }
            return value
        }
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require(strip(object) as? [String: Any]) as NSDictionary
    }

    /// Runs the numpy helper; it prints "ok" or the difference.
    func python(_ arguments: [String]) throws {
        let run = try runProcess("/usr/bin/env", ["python3", Self.script] + arguments, timeout: 120)
        #expect(run.status == 0 && run.stdout.contains("ok"), "\(arguments.joined(separator: " ")): \(run)")
    }
}

@Suite("External raw storage resolves against each dump's own folder (P10)", .serialized)
struct ExternalRawFolderTests {
    @Test("eta on two dumps in different folders, in both orders, and the same dump twice")
    func etaCompare() throws {
        let f = try ExternalRawFolders.load()
        let args = ["--targets", "all", "--format", "json"]
        let external = try f.run("eta", ["--t1", f.path("left/twin.h5"), "--t2", f.path("right/twin.h5")] + args)
        let inline = try f.run("eta", ["--t1", f.path("left_inline.h5"), "--t2", f.path("right_inline.h5")] + args)
        #expect(try ExternalRawFolders.numbers(external) == ExternalRawFolders.numbers(inline))
        // The corpus's P10 pair has no temperatures, so it also runs in the other order and twice.
        let corpus = try GeneratedCorpus.load()
        func dir(_ p: String) -> String { corpus.directory.appendingPathComponent(p).path }
        for (a, b) in [("left", "right"), ("right", "left"), ("left", "left"), ("right", "right")] {
            let external = try f.run("eta", ["--t1", dir("p10_\(a)/twin.h5"), "--t2", dir("p10_\(b)/twin.h5")] + args)
            let inline = try f.run("eta", ["--t1", dir("p10_\(a)_inline.h5"), "--t2", dir("p10_\(b)_inline.h5")] + args)
            #expect(try ExternalRawFolders.numbers(external) == ExternalRawFolders.numbers(inline), "\(a) against \(b)")
        }
        // The two dumps really differ: reading one's raw file for the other would change η.
        let leftRight = try f.run("eta", ["--t1", dir("p10_left_inline.h5"), "--t2", dir("p10_right_inline.h5")] + args)
        let leftLeft = try f.run("eta", ["--t1", dir("p10_left_inline.h5"), "--t2", dir("p10_left_inline.h5")] + args)
        #expect(try ExternalRawFolders.numbers(leftRight) != ExternalRawFolders.numbers(leftLeft))
    }

    @Test("the same dump by two names at once (a symbolic link in another folder, ./ and absolute)")
    func sameDumpByTwoNames() throws {
        let f = try ExternalRawFolders.load()
        let corpus = try GeneratedCorpus.load()
        let real = corpus.directory.appendingPathComponent("p10_left/twin.h5").path
        let links = f.root.appendingPathComponent("links")
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        let link = links.appendingPathComponent("twin.h5").path
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let args = ["--targets", "all", "--format", "json"]
        let inlinePath = corpus.directory.appendingPathComponent("p10_left_inline.h5").path
        let inline = try ExternalRawFolders.numbers(try f.run("eta", ["--t1", inlinePath, "--t2", inlinePath] + args))
        // Through the link alone: the raw file is the one beside the real file, not the link.
        #expect(try ExternalRawFolders.numbers(try f.run("eta", ["--t1", link, "--t2", link] + args)) == inline)
        #expect(try ExternalRawFolders.numbers(try f.run("eta", ["--t1", real, "--t2", link] + args)) == inline)
        let run = try CorpusTool.run("eta", ["--t1", "./p10_left/twin.h5", "--t2", real] + args, timeout: 60,
                                     currentDirectory: corpus.directory)
        #expect(run.status == 0, "\(run)")
        if run.status == 0 { #expect(try ExternalRawFolders.numbers(run.stdout) == inline) }
        _ = try f.run("inspect", ["--validate", link])
    }

    @Test("eta sweep over the two dumps")
    func etaSweep() throws {
        let f = try ExternalRawFolders.load()
        let args = ["--targets", "all", "--format", "json"]
        let external = try f.run("eta", ["sweep", f.path("right/twin.h5"), f.path("left/twin.h5")] + args)
        let inline = try f.run("eta", ["sweep", f.path("right_inline.h5"), f.path("left_inline.h5")] + args)
        #expect(try ExternalRawFolders.numbers(external) == ExternalRawFolders.numbers(inline))
    }

    @Test("eta centroids of each dump equal numpy's sums over its own raw file")
    func etaCentroids() throws {
        let f = try ExternalRawFolders.load()
        for side in ["left", "right"] {
            let out = f.root.appendingPathComponent("\(side).centroids.h5").path
            _ = try f.run("eta", ["centroids", f.path("\(side)/twin.h5"), "--split", "train", "-o", out])
            try f.python(["centroids", out, f.path("\(side)/twin.h5")])
        }
    }

    @Test("eta over a shard set whose shards keep their raw files in different folders")
    func shardSet() throws {
        let f = try ExternalRawFolders.load()
        let args = ["--targets", "all", "--format", "json"]
        let shards = try f.run("eta", ["--t1", f.path("shards/s0/run.rank0.h5"), "--t1", f.path("shards/s1/run.rank1.h5"),
                                       "--t2", f.path("right/twin.h5")] + args)
        let inline = try f.run("eta", ["--t1", f.path("left_inline.h5"), "--t2", f.path("right_inline.h5")] + args)
        // The rows (η); the conventions differ only in saying the shards' coverage.
        #expect(try ExternalRawFolders.numbers(shards)["rows"] as? NSArray == ExternalRawFolders.numbers(inline)["rows"] as? NSArray)
        #expect((try ExternalRawFolders.numbers(shards)["rows"] as? NSArray)?.count ?? 0 > 0)
        _ = try f.run("inspect", ["--validate", f.path("shards/s0/run.rank0.h5"), f.path("shards/s1/run.rank1.h5")])
    }

    @Test("project of each dump equals the projection of its inline copy")
    func project() throws {
        let f = try ExternalRawFolders.load()
        for side in ["left", "right"] {
            let a = f.root.appendingPathComponent("\(side).projection.h5").path
            let b = f.root.appendingPathComponent("\(side)_inline.projection.h5").path
            _ = try f.run("project", [f.path("\(side)/twin.h5"), "--classes", "0,1,2", "-o", a])
            _ = try f.run("project", [f.path("\(side)_inline.h5"), "--classes", "0,1,2", "-o", b])
            try f.python(["same", a, b])
        }
    }

    @Test("accuracy and inspect --validate over the two dumps")
    func accuracyAndInspect() throws {
        let f = try ExternalRawFolders.load()
        let external = try f.run("accuracy", [f.path("left/twin.h5"), f.path("right/twin.h5"), "--split", "train", "--format", "json"])
        let inline = try f.run("accuracy", [f.path("left_inline.h5"), f.path("right_inline.h5"), "--split", "train", "--format", "json"])
        #expect(try ExternalRawFolders.numbers(external) == ExternalRawFolders.numbers(inline))
        for side in ["left", "right"] {
            _ = try f.run("inspect", ["--validate", f.path("\(side)/twin.h5")])
        }
    }
}
