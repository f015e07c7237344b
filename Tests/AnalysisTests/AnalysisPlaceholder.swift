import Testing

@Test func placeholderAnalysis() { #expect(1 + 1 == 2) }
