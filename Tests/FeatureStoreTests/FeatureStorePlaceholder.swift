import Testing

@Test func placeholderFeatureStore() { #expect(1 + 1 == 2) }
