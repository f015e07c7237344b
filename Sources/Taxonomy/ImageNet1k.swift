import Foundation

/// The ImageNet-1k (ILSVRC-2012) class list: 1000 wnids in the standard class-index order.
///
/// Source: `timm/data/_info/imagenet_synsets.txt` from the timm wheel (Apache-2.0); see
/// `Resources/README.md`. Use it only when a dump has no wnids of its own.
public enum ImageNet1k {
    /// The 1000 wnids; index k is class k (52 = thunder snake, 209 = Chesapeake Bay retriever).
    public static let wnids: [String] = {
        guard let url = Bundle.module.url(forResource: "imagenet1k_wnids", withExtension: "txt",
                                          subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "imagenet1k_wnids", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("Taxonomy: the imagenet1k_wnids.txt resource is missing from the bundle (a build defect)")
        }
        let list = text.split(separator: "\n").map(String.init)
        precondition(list.count == 1000, "Taxonomy: imagenet1k_wnids.txt has \(list.count) lines, expected 1000")
        return list
    }()

    /// The class index of `wnid`, or `nil` if it is not an ImageNet-1k class.
    public static func index(of wnid: String) -> Int? { indexByWnid[wnid] }

    private static let indexByWnid: [String: Int] =
        Dictionary(uniqueKeysWithValues: wnids.enumerated().map { ($1, $0) })
}
