import Foundation
import Penultimate

/// One fuzz input per call: the bytes are a `--hierarchy` file. Parsing must throw a
/// ``TaxonomyError/hierarchyFile(path:line:problem:)`` or give a tree whose invariants hold; then
/// every graph question and set rule the tools ask is put to it over its leaves as classes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHierarchy(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Data(bytes: $0, count: count) } ?? Data()
    let tree: CustomHierarchy
    do {
        tree = try CustomHierarchy(data: bytes, source: "fuzz")
    } catch let error as TaxonomyError {
        guard error.isHierarchyFile, !"\(error)".contains("\n") else { fatalError("not a one-line file error: \(error)") }
        return 0
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    check(tree)
    return 0
}

func check(_ tree: CustomHierarchy) {
    func require(_ condition: Bool, _ what: @autoclosure () -> String) {
        if !condition { fatalError("invariant: \(what())") }
    }
    require(!tree.nodes.isEmpty && tree.contains(tree.root), "a root among the nodes")
    require((try? tree.parents(of: tree.root)) == [], "the root has no parent")
    let levels = tree.levelNames
    let leaves = tree.leaves
    for node in tree.nodes.prefix(64) {
        guard let depth = try? tree.depth(of: node), let level = tree.level(of: node),
              let chain = try? tree.firstParentChain(of: node), let parents = try? tree.parents(of: node) else {
            fatalError("invariant: every node answers depth, level, chain and parents (\(node))")
        }
        require(depth.min == depth.max && depth.max == level, "a tree's depths agree (\(node))")
        require(chain.count == level + 1 && chain.last == tree.root, "the chain ends at the root (\(node))")
        require(parents.count <= 1 && (parents.isEmpty == (node == tree.root)), "one parent but for the root (\(node))")
        if let levels { require(level < levels.count, "a node within the levels (\(node))") }
        require(tree.nodeIDs(matching: node).contains(node), "a node matches itself (\(node))")
    }
    if let levels {
        for leaf in leaves.prefix(64) { require(tree.level(of: leaf) == levels.count - 1, "leaves at the last level (\(leaf))") }
    }
    let classes = Array(leaves.prefix(24))
    guard let lookup = try? ClassLookup(ids: classes, hierarchy: tree) else { fatalError("invariant: leaves make a class list") }
    for (a, b) in zip(classes.prefix(6), classes.dropFirst().prefix(6)) {
        require((try? tree.lowestCommonAncestors(a, b))?.count == 1, "one LCA in a tree (\(a), \(b))")
        _ = try? tree.pathDistance(a, b)
        _ = try? tree.areSiblings(a, b)
    }
    var rules: [SetRule] = [.siblings, .lcaDepthAtLeast(1), .lcaDepthAtMost(0), .pathAtMost(2), .pathAtLeast(4),
                            .under(tree.root), .notUnder(tree.nodes[tree.nodes.count / 2])]
    for level in (levels ?? []).prefix(4) { rules += [.sameAtLevel(level), .notSameAtLevel(level)] }
    for target in classes.indices.prefix(4) {
        for rule in rules {
            guard let members = try? rule.members(of: target, in: lookup) else {
                fatalError("invariant: rule \(rule) answers for a tree with these levels")
            }
            require(!members.contains(target) && members == members.sorted(), "members sorted, target excluded (\(rule))")
            if case .under(let node) = rule, node == tree.root {
                require(members.count == classes.count - 1, "every class is under the root")
            }
        }
    }
    _ = try? lookup.indices(under: tree.root)
}
