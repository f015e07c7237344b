import Foundation
import Testing

// Every option of every tool, given values that are wrong for most options (0, -1, NaN, infinity,
// overflowing numbers, the empty string, words): no run may crash (no signal, no 132/134/139),
// and each failure is exactly one stderr line. Numeric options and fixed vocabularies must be
// refused by the argument parser (exit 64); names that only the input can judge (a split, a
// class, a file) may reach the input and fail there (65).

/// How an option's values are judged.
enum SweepKind: Sendable {
    /// Values are checked by the parser: 64 unless listed as valid (then 0).
    case checked(valid: Set<String> = [])
    /// A name the input decides about (split, class, file): 64 when empty or taken for an
    /// option (a leading "-"), else 0 or 65.
    case name
    /// Free text (titles): anything but a crash or a second line.
    case text
}

struct SweepOption: Sendable, CustomStringConvertible {
    var tool: String
    /// The rest of a working command line, without the option.
    var base: [String]
    var option: String
    var kind: SweepKind
    /// Values beyond ``sweepValues`` that this option's type must refuse (exit 64, one line):
    /// malformed lists, `all` where one split is read, near-misses of a vocabulary.
    var refused: [String] = []
    var description: String { "\(tool) \(option)" }

    func allowed(_ value: String) -> Set<Int32> {
        switch kind {
        case .checked(let valid): return valid.contains(value) ? [0] : [64]
        case .name: return value.isEmpty || value.hasPrefix("-") ? [64] : [0, 65]
        case .text: return [0, 64, 65]
        }
    }
}

let sweepValues = ["0", "-1", "nan", "inf", "-inf", "1e400", "99999999999999999999", "", "abc", "1.5"]

let etaBase = ["--t1", "X.h5", "--t2", "Y.h5", "--targets", "0", "--s1", "1", "--s2", "2", "--split", "val"]
let projectBase = ["X.h5", "--classes", "0,1,2", "-o", "sweep.h5"]
let sweepOptions: [SweepOption] = [
    // eta (compare) and its shared options
    SweepOption(tool: "eta", base: etaBase, option: "--split", kind: .name, refused: [",", "train,,val", "train,all", " , "]),
    SweepOption(tool: "eta", base: etaBase, option: "--targets", kind: .name, refused: [",", "0,,1", "0,"]),
    SweepOption(tool: "eta", base: etaBase, option: "--s1", kind: .name, refused: ["lca-depth>=x", "path<", "1,,2"]),
    SweepOption(tool: "eta", base: etaBase, option: "--s2", kind: .name),
    SweepOption(tool: "eta", base: etaBase, option: "--normalize", kind: .checked(), refused: ["centroidscale", "Unit", "none,unit"]),
    SweepOption(tool: "eta", base: etaBase, option: "--bootstrap", kind: .checked()),
    SweepOption(tool: "eta", base: etaBase, option: "--seed", kind: .checked(valid: ["0"])),
    SweepOption(tool: "eta", base: etaBase, option: "--format", kind: .checked(), refused: ["md", "JSON", "csv,json"]),
    SweepOption(tool: "eta", base: etaBase, option: "--wordnet", kind: .name),
    SweepOption(tool: "eta", base: etaBase, option: "--hierarchy", kind: .name),
    SweepOption(tool: "eta", base: ["sweep", "X.h5", "Y.h5", "--targets", "0", "--s1", "1", "--s2", "2"], option: "--bootstrap", kind: .checked()),
    SweepOption(tool: "eta", base: ["centroids", "X.h5", "--split", "train", "-o", "c.h5"], option: "--normalize", kind: .checked(), refused: ["centroidscale"]),
    SweepOption(tool: "eta", base: ["centroids", "X.h5", "-o", "c.h5"], option: "--split", kind: .name, refused: ["all", "train,val", ","]),
    SweepOption(tool: "eta", base: ["wordnet"], option: "--lookup", kind: .name),
    // eta pairs
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--split", kind: .name, refused: ["all", "train,val", ","]),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--by", kind: .checked(), refused: ["lca_depth", "depth", "path,lca-depth"]),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--normalize", kind: .checked(), refused: ["centroidscale"]),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--bootstrap", kind: .checked()),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5", "--bootstrap", "2"], option: "--seed", kind: .checked(valid: ["0"])),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--format", kind: .checked(), refused: ["md"]),
    SweepOption(tool: "eta", base: ["pairs", "--t1", "X.h5", "--t2", "Y.h5"], option: "--wordnet", kind: .name),
    // project
    SweepOption(tool: "project", base: ["X.h5", "-o", "sweep.h5"], option: "--classes", kind: .checked(), refused: ["0,1", "0,1,2,3", "0,,2", ",,"]),
    SweepOption(tool: "project", base: projectBase, option: "--method", kind: .checked(), refused: ["qrpca", "Muller", "muller,qr-pca"]),
    SweepOption(tool: "project", base: projectBase, option: "--split", kind: .name, refused: [",", "train,,val", "all,val"]),
    SweepOption(tool: "project", base: projectBase, option: "--per-class", kind: .checked()),
    SweepOption(tool: "project", base: projectBase, option: "--sample", kind: .checked()),
    SweepOption(tool: "project", base: projectBase + ["--method", "qr-pca"], option: "--fit-per-class", kind: .checked()),
    SweepOption(tool: "project", base: projectBase + ["--sample", "5"], option: "--seed", kind: .checked(valid: ["0"])),
    SweepOption(tool: "project", base: ["X.h5", "--classes", "0,1,2"], option: "-o", kind: .checked()),
    SweepOption(tool: "project", base: projectBase, option: "--wordnet", kind: .name),
    SweepOption(tool: "project", base: projectBase, option: "--hierarchy", kind: .name),
    // plot
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--grid", kind: .checked(), refused: ["9x1", "2x", "x4", "2x4x1", "0x2"]),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--dpi", kind: .checked()),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--width", kind: .checked(valid: ["1.5"])),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--height", kind: .checked(valid: ["1.5"])),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--titles", kind: .text),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--row-titles", kind: .text),
    SweepOption(tool: "plot", base: ["p.h5", "-o", "f.png"], option: "--title", kind: .text),
    SweepOption(tool: "plot", base: ["p.h5"], option: "-o", kind: .checked()),
    SweepOption(tool: "plot", base: ["-o", "f.png"], option: "--eta", kind: .name),
    SweepOption(tool: "plot", base: ["-o", "f.png"], option: "--accuracy", kind: .name),
    SweepOption(tool: "plot", base: ["-o", "f.png"], option: "--pairs", kind: .name),
    SweepOption(tool: "plot", base: ["--accuracy", "acc.json", "-o", "f.png"], option: "--split", kind: .name, refused: ["all", "train,val"]),
    // accuracy
    SweepOption(tool: "accuracy", base: ["X.h5"], option: "--split", kind: .name, refused: ["all", "train,val", ","]),
    SweepOption(tool: "accuracy", base: ["X.h5"], option: "--format", kind: .checked(), refused: ["md", "tex"]),
    // geometry (its own block, so branches adding options merge cleanly)
    SweepOption(tool: "geometry", base: ["X.h5"], option: "--split", kind: .name, refused: [",", "train,,val", "all,val"]),
    SweepOption(tool: "geometry", base: ["X.h5"], option: "--classes", kind: .checked(), refused: ["0", "0,,1", ",", "0,"]),
    SweepOption(tool: "geometry", base: ["X.h5"], option: "--format", kind: .checked(), refused: ["md", "tex"]),
    SweepOption(tool: "geometry", base: ["X.h5", "--classes", "0,1"], option: "--wordnet", kind: .name),
    SweepOption(tool: "plot", base: ["-o", "f.png"], option: "--geometry", kind: .name),
    SweepOption(tool: "plot", base: ["--geometry", "geo.json", "-o", "f.png"], option: "--split", kind: .name, refused: ["all", "train,val"]),
    // minilab: valid values would train for minutes, so only values that must be refused.
    SweepOption(tool: "minilab", base: ["run", "-o", "lab"], option: "--seed", kind: .checked(valid: ["0"])),
    SweepOption(tool: "minilab", base: ["run", "-o", "lab"], option: "--data-seed", kind: .checked(valid: ["0"])),
    SweepOption(tool: "minilab", base: ["run"], option: "-o", kind: .checked()),
]

@Suite("Option sweep", .serialized)
struct OptionSweepTests {
    @Test(arguments: sweepOptions)
    func badValuesAreRefusedInOneLine(_ option: SweepOption) throws {
        let folder = try sweepFolder.get()
        for value in sweepValues {
            if option.tool == "minilab", option.allowed(value) == [0] { continue }
            if option.tool == "minilab", option.option == "-o", !["", "0", "-1", "-inf"].contains(value) { continue }
            let run = try CorpusTool.run(option.tool, option.base + [option.option, value], timeout: 120, currentDirectory: folder.url)
            #expect(!run.signaled, "\(run)")
            #expect(![132, 134, 139].contains(run.status), "\(run)")
            #expect(option.allowed(value).contains(run.status), "\(option) '\(value)': \(run)")
            if run.status != 0 { #expect(run.stderrLines.count == 1, "\(run)") }
            #expect(!run.stderr.contains("Missing value") || (value.hasPrefix("-") && !option.isNumeric),
                    "a value reported as missing: \(run)")
        }
        for value in option.refused {
            let run = try CorpusTool.run(option.tool, option.base + [option.option, value], timeout: 120, currentDirectory: folder.url)
            #expect(run.status == 64 && run.stderrLines.count == 1, "\(option) '\(value)': \(run)")
            #expect(run.stderr.contains(option.option), "the line names the option: \(run)")
        }
    }
}

extension SweepOption {
    /// Options whose value is a number: a negative one must reach the value check.
    var isNumeric: Bool {
        ["--bootstrap", "--seed", "--data-seed", "--per-class", "--sample", "--fit-per-class", "--dpi", "--width", "--height"].contains(option)
    }
}

/// The inputs of the sweep, made once per test process (the runs only write beside them).
let sweepFolder: Result<OutputTargetFolder, CorpusSetupError> = {
    do {
        let folder = try OutputTargetFolder()
        let acc = try CorpusTool.run("accuracy", ["X.h5", "--format", "json", "-o", "acc.json"], timeout: 60, currentDirectory: folder.url)
        guard acc.status == 0 else { return .failure(CorpusSetupError(message: "accuracy for the plot input failed: \(acc)")) }
        let geo = try CorpusTool.run("geometry", ["X.h5", "--format", "json", "-o", "geo.json"], timeout: 60, currentDirectory: folder.url)
        guard geo.status == 0 else { return .failure(CorpusSetupError(message: "geometry for the plot input failed: \(geo)")) }
        // minilab -o must name a folder: a file there is refused (a valid run would train).
        try "x".write(toFile: folder.file("0"), atomically: false, encoding: .utf8)
        return .success(folder)
    } catch let error as CorpusSetupError {
        return .failure(error)
    } catch {
        return .failure(CorpusSetupError(message: "\(error)"))
    }
}()
