import Testing

@testable import Vision

/// fastai's grid arguments (`get_grid`) mapped to Khru's grid.
@Suite struct GridLayoutTests {
    @Test func rowsAndColumnsAsFastaisGetGrid() throws {
        let both = try GridLayout(maxN: 9, nrows: 1, ncols: 3)
        #expect(both.count == 3 && both.columns == 3 && both.cellSize == 128)
        let rows = try GridLayout(maxN: 9, nrows: 2)
        #expect(rows.count == 9 && rows.columns == 5)
        let columns = try GridLayout(maxN: 4, ncols: 4)
        #expect(columns.count == 4 && columns.columns == 4)
        #expect(GridLayout(maxN: 9, cellSize: 100) == (try GridLayout(maxN: 9, cellSize: 100)))
    }

    @Test func figsizeIsInchesAt72PixelsPerInchForDpi100() throws {
        // 4 inches = 288 CSS pixels for 2 columns and 2 rows: 144 each, less the 12-pixel gap.
        #expect(try GridLayout(maxN: 4, figsize: (4, 4)).cellSize == 132)
        #expect(try GridLayout(maxN: 4, figsize: (4, 4), dpi: 200).cellSize == 276)
        // The narrower side decides: 8 × 2 inches over 1 row of 3.
        #expect(try GridLayout(maxN: 3, nrows: 1, ncols: 3, figsize: (8, 2)).cellSize == 132)
    }

    @Test func layoutsThatAreNoneAreErrors() {
        #expect(throws: VisionError.self) { try GridLayout(maxN: 9, nrows: 0) }
        #expect(throws: VisionError.self) { try GridLayout(maxN: 0) }
        #expect(throws: VisionError.self) { try GridLayout(maxN: 9, figsize: (-1, 4)) }
        #expect(throws: VisionError.self) { try GridLayout(maxN: 9, figsize: (.infinity, 4)) }
        #expect(throws: VisionError.self) { try GridLayout(maxN: 9, dpi: 0) }
    }
}
