import Testing

@Test func placeholderTaxonomy() { #expect(1 + 1 == 2) }
