/// fastai's `learn.summary()` tables, printed by fastai itself, for tests that check Khru's against them.
public enum FastaiSummaries {
    // Printed by fastai 2.8.12 (torch 2.13.0+cpu) for
    // `Learner(DataLoaders.from_dsets(train, valid, bs=64), model, loss_func=MSELossFlat()).summary()`
    // with 160 training items of two inputs. The tables are byte for byte, trailing spaces included; the
    // optimizer, loss and callback lines that follow them name Python's types, so they are left out.

    /// `nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Linear(3, 1))`.
    public static let sequential = """
        Sequential (Input shape: 64 x 2)
        ============================================================================
        Layer (type)         Output Shape         Param #    Trainable\u{20}
        ============================================================================
                             64 x 3             \u{20}
        Linear                                    9          True     \u{20}
        ReLU                                                          \u{20}
        Linear                                    12         True     \u{20}
        ____________________________________________________________________________
                             64 x 1             \u{20}
        Linear                                    4          True     \u{20}
        ____________________________________________________________________________

        Total params: 25
        Total trainable params: 25
        Total non-trainable params: 0


        """

    /// fastbook's `DotProductBias(10, 7, 5)` (chapter 8), after one epoch.
    public static let dotProductBias = """
        DotProductBias (Input shape: 64 x 2)
        ============================================================================
        Layer (type)         Output Shape         Param #    Trainable\u{20}
        ============================================================================
                             64 x 5             \u{20}
        Embedding                                 50         True     \u{20}
        ____________________________________________________________________________
                             64 x 1             \u{20}
        Embedding                                 10         True     \u{20}
        ____________________________________________________________________________
                             64 x 5             \u{20}
        Embedding                                 35         True     \u{20}
        ____________________________________________________________________________
                             64 x 1             \u{20}
        Embedding                                 7          True     \u{20}
        ____________________________________________________________________________

        Total params: 102
        Total trainable params: 102
        Total non-trainable params: 0


        """

    /// `collab_learner(dls, n_factors=5, y_range=(0, 5.5))`'s `EmbeddingDotBias`, on 200 ratings by 10
    /// users of 7 items (`CollabDataLoaders.from_df(df, bs=64, seed=1)`).
    public static let embeddingDotBias = """
        EmbeddingDotBias (Input shape: 64 x 2)
        ============================================================================
        Layer (type)         Output Shape         Param #    Trainable\u{20}
        ============================================================================
                             64 x 5             \u{20}
        Embedding                                 55         True     \u{20}
        Embedding                                 40         True     \u{20}
        ____________________________________________________________________________
                             64 x 1             \u{20}
        Embedding                                 11         True     \u{20}
        Embedding                                 8          True     \u{20}
        ____________________________________________________________________________

        Total params: 114
        Total trainable params: 114
        Total non-trainable params: 0


        """
}
