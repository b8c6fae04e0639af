import Training

extension DataSource {
    /// MovieLens 100k as GroupLens ships it (`u.data`, `u.item`), prepared from the PyPI wheel
    /// `recbole==1.2.1` on first use: `untarData(.ml100k)` (fastai's `untar_data(URLs.ML_100k)`).
    public static let ml100k = DataSource("ml-100k") { folder in
        _ = try MovieLens.prepare(in: folder.string)
    }
}
