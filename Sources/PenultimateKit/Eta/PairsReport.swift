import Analysis
import FeatureStore
import Foundation
import Taxonomy
import ToolSupport

/// `eta pairs`: the relative change r = (d₂ − d₁)/d₁ of the normalised centroid distance of every
/// pair of classes between the student at T1 and the one at T2, grouped by how related the two
/// classes are in a ``Hierarchy`` (see the Pairs article).
public struct PairsReport: Sendable {
    /// One group of pairs.
    public struct Group: Sendable, Equatable {
        /// The LCA depth or path length; nil for pairs whose classes share no ancestor.
        public var value: Int?
        /// Pairs in the group.
        public var pairs: Int
        /// Mean and median relative change (fractions).
        public var mean: Double, median: Double
        /// Bootstrap interval of the mean, when asked.
        public var interval: ClosedRange<Double>?
    }

    /// The student at T1.
    public var t1: EtaModel
    /// The student at T2.
    public var t2: EtaModel
    /// What was asked.
    public var request: PairsRequest
    /// Class ids (wnid or name) by index.
    public var classIDs: [String]
    /// The classes paired (those with rows in both models), ascending.
    public var classes: [Int]
    /// Classes with no rows, per model path (class indices, ascending): left out of every pair.
    public var classesWithoutRows: [(path: String, classes: [Int])] = []
    /// Rows left out as non-finite, per model path.
    public var skippedRows: [(path: String, count: Int)] = []
    /// What each model's centroids cover, where it is worth saying (``CentroidCoverage/isNotable``).
    public var coverage: [(path: String, summary: String)] = []
    /// The scales the distances were divided by.
    public var scale1: Double, scale2: Double
    /// Per pair of ``classes`` (row-major): normalised distances, relative change, relatedness.
    public var d1: [Double], d2: [Double], changes: [Double]
    /// LCA depth and path length per pair (nil: no common ancestor).
    public var lcaDepth: [Int?], path: [Int?]
    /// The groups, by ascending value, the group without a common ancestor last.
    public var groups: [Group]

    /// Whether the pair list is written.
    public var listsPairs: Bool { request.listPairs ?? (classes.count <= PairsRequest.defaultListLimit) }

    /// Computes the report: one centroid pass per model over `request.split` (or the centroid
    /// files), the pair distances in the direct form, the groups by `hierarchy`, and, when asked,
    /// the bootstrap (one pass per model and replicate block; the memory bound is checked first).
    ///
    /// - Parameter hierarchy: relatedness of the classes' ids (`classes.id(k)`), e.g. WordNet.
    public static func compute(t1: ModelInput, t2: ModelInput, request: PairsRequest, classes: ClassResolution,
                               hierarchy: any Hierarchy, showProgress: Bool = true) throws -> PairsReport {
        try ClassResolution.requireSameClasses(t1.classes, t1.label, t2.classes, t2.label)
        let count = classes.count
        guard count >= 2 else {
            throw InputError(file: t1.label, object: "/classes", message: "holds \(count) class; pairs need at least two")
        }
        let ids = (0..<count).map(classes.id)
        // Relatedness of all classes first: the groups are known before any row is read.
        // The hierarchy's own ids (a hierarchy file may match the dump's classes by name).
        let related = try PairRelatedness(ids: classes.lookup.ids, hierarchy: hierarchy)
        let allValues = request.grouping == .lcaDepth ? related.lcaDepth : related.path
        if let replicates = request.bootstrapReplicates {
            for input in [t1, t2] where input.isCentroidFiles {
                throw InputError(file: input.label, object: "input", message: "centroid files hold no rows to resample",
                                 fix: "give the feature dumps for --bootstrap")
            }
            if let dim1 = t1.dump?.dim, let dim2 = t2.dump?.dim {
                _ = try PairsRequest.plan(replicates: replicates, classes: count, dim: max(dim1, dim2), groups: Set(allValues).count)
            }
        }
        let rowNormalization = request.normalization.rowNormalization
        var skippedRows: [(String, Int)] = [], coverage: [(String, String)] = [], withoutRows: [(String, [Int])] = []
        func centroids(_ input: ModelInput, _ role: String) throws -> (Centroids, Double) {
            let progress = showProgress ? input.dump.flatMap { dump in
                (try? dump.split(request.split)).map { ProgressMeter("\(role) \(request.split) rows", total: $0.rows) }
            } : nil
            defer { progress?.finish() }
            let file = try input.centroids(split: request.split, rowNormalization: rowNormalization,
                                           invalidRows: request.invalidRows, progress: progress)
            if file.skippedNonFinite + file.skippedZero > 0 { skippedRows.append((input.label, file.skippedNonFinite + file.skippedZero)) }
            if file.coverage.isNotable { coverage.append((input.label, file.coverage.summary)) }
            let c = file.accumulator.centroids()
            let empty = (0..<c.classCount).filter { c.counts[$0] == 0 }
            if !empty.isEmpty { withoutRows.append((input.label, empty)) }
            do {
                return (c, try request.normalization.scale(of: c, workers: SplitReader.defaultWorkerCount))
            } catch let error as AnalysisError {
                throw InputError(file: input.label, object: "split \(request.split)", message: "\(error)")
            }
        }
        let (c1, scale1) = try centroids(t1, "T1")
        let (c2, scale2) = try centroids(t2, "T2")
        let present = (0..<count).filter { c1.counts[$0] > 0 && c2.counts[$0] > 0 }
        guard present.count >= 2 else {
            throw InputError(file: "\(t1.label) and \(t2.label)", object: "/splits/\(request.split)",
                             message: "\(present.count) class(es) have rows in both models; pairs need at least two")
        }
        let d1: [Double], d2: [Double], changes: [Double]
        do {
            d1 = try PairChanges.distances(c1, classes: present, scale: scale1, workers: SplitReader.defaultWorkerCount)
            d2 = try PairChanges.distances(c2, classes: present, scale: scale2, workers: SplitReader.defaultWorkerCount)
            changes = try PairChanges.changes(d1: d1, d2: d2, classes: present)
        } catch AnalysisError.coincidentCentroids(let a, let b) {
            throw InputError(file: t1.label, object: "split \(request.split), classes \(ids[a]) and \(ids[b])",
                             message: "centroids coincide (distance 0), so the relative change of their distance is undefined")
        }
        // The pairs of the present classes, picked from the all-class relatedness.
        var lca: [Int?] = [], path: [Int?] = []
        lca.reserveCapacity(d1.count); path.reserveCapacity(d1.count)
        for i in 0..<present.count {
            for j in (i + 1)..<max(i + 1, present.count) {
                let p = PairChanges.pairIndex(present[i], present[j], count: count)
                lca.append(related.lcaDepth[p]); path.append(related.path[p])
            }
        }
        let values = request.grouping == .lcaDepth ? lca : path
        let distinct = Array(Set(values.compactMap { $0 })).sorted()
        let groupValues: [Int?] = distinct.map { Optional($0) } + (values.contains(nil) ? [nil] : [])
        var position: [Int: Int32] = [:]
        for (g, v) in distinct.enumerated() { position[v] = Int32(g) }
        let noAncestor = Int32(distinct.count)
        let group = values.map { $0.map { position[$0]! } ?? noAncestor }
        let summaries = try PairChanges.summaries(changes: changes, group: group, groupCount: groupValues.count)
        var report = PairsReport(
            t1: EtaModel(path: t1.label, description: t1.source), t2: EtaModel(path: t2.label, description: t2.source),
            request: request, classIDs: ids, classes: present, scale1: scale1, scale2: scale2, d1: d1, d2: d2,
            changes: changes, lcaDepth: lca, path: path,
            groups: zip(groupValues, summaries).map { Group(value: $0, pairs: $1.pairs, mean: $1.mean, median: $1.median) })
        report.classesWithoutRows = withoutRows.map { (path: $0.0, classes: $0.1) }
        report.skippedRows = skippedRows.map { (path: $0.0, count: $0.1) }
        report.coverage = coverage.map { (path: $0.0, summary: $0.1) }
        if let replicates = request.bootstrapReplicates {
            try report.bootstrap(t1: t1, t2: t2, replicates: replicates, group: group, showProgress: showProgress)
        }
        return report
    }

    /// Adds the groups' intervals: per replicate block one pass over each model's rows of the
    /// paired classes (``EtaReport``'s replicate sums, Poisson weights keyed by sample), then every
    /// pair's distances in every replicate, summed per group.
    private mutating func bootstrap(t1: ModelInput, t2: ModelInput, replicates: Int, group: [Int32], showProgress: Bool) throws {
        guard let dim1 = t1.dump?.dim, let dim2 = t2.dump?.dim else { return }
        let split = request.split
        // The students' feature lengths may differ (distances are within each): bound by the larger.
        let plan = try PairsRequest.plan(replicates: replicates, classes: classes.count, dim: max(dim1, dim2), groups: groups.count)
        let (weights1, weights2) = try EtaReport.replicateWeights(t1, t2, split: split, seed: request.seed, paired: request.paired)
        let rowNormalization = request.normalization.rowNormalization
        let rows1 = (try? t1.dump?.split(split).rows) ?? nil, rows2 = (try? t2.dump?.split(split).rows) ?? nil
        let progress = showProgress
            ? ProgressMeter("bootstrap \(split) (\(replicates) replicates, \(plan.blocks) pass(es) per model)",
                            total: plan.blocks * ((rows1 ?? 0) + (rows2 ?? 0))) : nil
        defer { progress?.finish() }
        var values = [[Double]](repeating: [], count: groups.count)
        for start in stride(from: 0, to: replicates, by: plan.blockReplicates) {
            let block = start..<min(replicates, start + plan.blockReplicates)
            let sums1 = try EtaReport.replicateSums(t1, split: split, classes: classes, replicates: block, weights: weights1,
                                                    rowNormalization: rowNormalization, progress: progress)
            let sums2 = try EtaReport.replicateSums(t2, split: split, classes: classes, replicates: block, weights: weights2,
                                                    rowNormalization: rowNormalization, progress: progress)
            if request.paired, start == 0 {
                for (slot, k) in classes.enumerated()
                where sums1.rowCounts[slot] != sums2.rowCounts[slot] || sums1.fingerprints[slot] != sums2.fingerprints[slot] {
                    throw InputError(file: "\(t1.label) and \(t2.label)", object: "split \(split), class \(classIDs[k])",
                                     message: "paired resampling needs the same samples in both models, but they hold \(sums1.rowCounts[slot]) and \(sums2.rowCounts[slot]) rows\(sums1.rowCounts[slot] == sums2.rowCounts[slot] ? " with different sample_index sets" : "")",
                                     fix: "drop --paired, or give dumps of the same images")
                }
            }
            let means: [Double]
            do {
                means = try PairChanges.replicateGroupMeans(t1: sums1, t2: sums2, classes: classes, group: group,
                                                            groupCount: groups.count, scale1: scale1, scale2: scale2,
                                                            workers: SplitReader.defaultWorkerCount)
            } catch let error as AnalysisError {
                throw InputError(file: "\(t1.label) and \(t2.label)", object: "split \(split)", message: "\(error)")
            }
            let width = block.count
            for g in groups.indices { values[g] += means[(g * width)..<((g + 1) * width)] }
        }
        for g in groups.indices {
            do {
                let interval = try Bootstrap.interval(estimate: groups[g].mean, replicates: values[g], level: request.level, seed: request.seed)
                groups[g].interval = interval.lower...interval.upper
            } catch let error as AnalysisError {
                throw InputError(file: "\(t1.label) and \(t2.label)",
                                 object: "split \(split), group \(request.grouping.rawValue) \(groups[g].value.map(String.init) ?? "none")",
                                 message: "\(error)")
            }
        }
    }
}

extension ClassResolution {
    /// The hierarchy relatedness is measured in: WordNet when it knows every wnid of the dump.
    /// Throws (naming `/classes/wnid`) when the dump has no wnids or WordNet cannot be used for them.
    public func hierarchyForRelatedness() throws -> any Hierarchy {
        if hasWordNet { return lookup.hierarchy }
        if let wordNetFailure { throw wordNetFailure }
        if unknownWnids.isEmpty {
            throw InputError(file: file, object: "/classes/wnid", message: "missing, so how related two classes are cannot be measured",
                             fix: "dump the classes with their wnids")
        }
        let shown = unknownWnids.prefix(5).joined(separator: ", ") + (unknownWnids.count > 5 ? ", …" : "")
        throw InputError(file: file, object: "/classes/wnid",
                         message: "\(unknownWnids.count) wnid(s) are not in WordNet (\(shown)), so how related two classes are cannot be measured",
                         fix: "give a WordNet that knows these wnids (--wordnet)")
    }
}
