/// Shape of a BERT encoder (Devlin et al. 2019), as read from a model's `config.json`.
public struct BertConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Float

    /// all-MiniLM-L6-v2: 6 layers, 384 hidden units, 12 heads of 32.
    public static let miniLML6 = BertConfiguration(
        vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12,
        intermediateSize: 1536, maxPositions: 512, typeVocabularySize: 2, layerNormEpsilon: 1e-12)

    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int,
        intermediateSize: Int, maxPositions: Int, typeVocabularySize: Int, layerNormEpsilon: Float
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
    }
}

/// One transformer layer's parameters. Linear weights are stored as PyTorch keeps them,
/// `out × in`, so a layer computes `y = x · Wᵀ + b`.
public struct BertLayerWeights: Sendable {
    public var query: Matrix, queryBias: [Float]
    public var key: Matrix, keyBias: [Float]
    public var value: Matrix, valueBias: [Float]
    public var attentionOutput: Matrix, attentionOutputBias: [Float]
    public var attentionNormGamma: [Float], attentionNormBeta: [Float]
    public var intermediate: Matrix, intermediateBias: [Float]
    public var output: Matrix, outputBias: [Float]
    public var outputNormGamma: [Float], outputNormBeta: [Float]

    public init(
        query: Matrix, queryBias: [Float], key: Matrix, keyBias: [Float],
        value: Matrix, valueBias: [Float], attentionOutput: Matrix, attentionOutputBias: [Float],
        attentionNormGamma: [Float], attentionNormBeta: [Float],
        intermediate: Matrix, intermediateBias: [Float], output: Matrix, outputBias: [Float],
        outputNormGamma: [Float], outputNormBeta: [Float]
    ) {
        self.query = query; self.queryBias = queryBias
        self.key = key; self.keyBias = keyBias
        self.value = value; self.valueBias = valueBias
        self.attentionOutput = attentionOutput; self.attentionOutputBias = attentionOutputBias
        self.attentionNormGamma = attentionNormGamma; self.attentionNormBeta = attentionNormBeta
        self.intermediate = intermediate; self.intermediateBias = intermediateBias
        self.output = output; self.outputBias = outputBias
        self.outputNormGamma = outputNormGamma; self.outputNormBeta = outputNormBeta
    }
}

/// All parameters of a BERT encoder without its pooler (sentence-transformers pools itself).
public struct BertWeights: Sendable {
    public var wordEmbeddings: Matrix
    public var positionEmbeddings: Matrix
    public var tokenTypeEmbeddings: Matrix
    public var embeddingNormGamma: [Float]
    public var embeddingNormBeta: [Float]
    public var layers: [BertLayerWeights]

    public init(
        wordEmbeddings: Matrix, positionEmbeddings: Matrix, tokenTypeEmbeddings: Matrix,
        embeddingNormGamma: [Float], embeddingNormBeta: [Float], layers: [BertLayerWeights]
    ) {
        self.wordEmbeddings = wordEmbeddings
        self.positionEmbeddings = positionEmbeddings
        self.tokenTypeEmbeddings = tokenTypeEmbeddings
        self.embeddingNormGamma = embeddingNormGamma
        self.embeddingNormBeta = embeddingNormBeta
        self.layers = layers
    }

    /// The shape every parameter must have for `configuration`, by a dotted name in the
    /// Hugging Face convention, so a loader can check a file before building the weights.
    public static func expectedShapes(for c: BertConfiguration) -> [(name: String, shape: [Int])] {
        let h = c.hiddenSize, i = c.intermediateSize
        var shapes: [(String, [Int])] = [
            ("embeddings.word_embeddings.weight", [c.vocabularySize, h]),
            ("embeddings.position_embeddings.weight", [c.maxPositions, h]),
            ("embeddings.token_type_embeddings.weight", [c.typeVocabularySize, h]),
            ("embeddings.LayerNorm.weight", [h]),
            ("embeddings.LayerNorm.bias", [h]),
        ]
        for l in 0..<c.layerCount {
            let p = "encoder.layer.\(l)."
            shapes += [
                (p + "attention.self.query.weight", [h, h]), (p + "attention.self.query.bias", [h]),
                (p + "attention.self.key.weight", [h, h]), (p + "attention.self.key.bias", [h]),
                (p + "attention.self.value.weight", [h, h]), (p + "attention.self.value.bias", [h]),
                (p + "attention.output.dense.weight", [h, h]), (p + "attention.output.dense.bias", [h]),
                (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                (p + "intermediate.dense.weight", [i, h]), (p + "intermediate.dense.bias", [i]),
                (p + "output.dense.weight", [h, i]), (p + "output.dense.bias", [h]),
                (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h]),
            ]
        }
        return shapes
    }

    /// Builds the weights from named tensors in the Hugging Face convention; `tensor(name,
    /// shape)` returns the row-major values of one parameter or throws (missing, wrong shape).
    public static func load(
        _ c: BertConfiguration, tensor: (String, [Int]) throws -> [Float]
    ) throws -> BertWeights {
        let h = c.hiddenSize, i = c.intermediateSize
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Matrix {
            Matrix(rows: rows, cols: cols, values: try tensor(name, [rows, cols]))
        }
        func vector(_ name: String, _ count: Int) throws -> [Float] { try tensor(name, [count]) }
        var layers: [BertLayerWeights] = []
        for l in 0..<c.layerCount {
            let p = "encoder.layer.\(l)."
            layers.append(BertLayerWeights(
                query: try matrix(p + "attention.self.query.weight", h, h),
                queryBias: try vector(p + "attention.self.query.bias", h),
                key: try matrix(p + "attention.self.key.weight", h, h),
                keyBias: try vector(p + "attention.self.key.bias", h),
                value: try matrix(p + "attention.self.value.weight", h, h),
                valueBias: try vector(p + "attention.self.value.bias", h),
                attentionOutput: try matrix(p + "attention.output.dense.weight", h, h),
                attentionOutputBias: try vector(p + "attention.output.dense.bias", h),
                attentionNormGamma: try vector(p + "attention.output.LayerNorm.weight", h),
                attentionNormBeta: try vector(p + "attention.output.LayerNorm.bias", h),
                intermediate: try matrix(p + "intermediate.dense.weight", i, h),
                intermediateBias: try vector(p + "intermediate.dense.bias", i),
                output: try matrix(p + "output.dense.weight", h, i),
                outputBias: try vector(p + "output.dense.bias", h),
                outputNormGamma: try vector(p + "output.LayerNorm.weight", h),
                outputNormBeta: try vector(p + "output.LayerNorm.bias", h)))
        }
        return BertWeights(
            wordEmbeddings: try matrix("embeddings.word_embeddings.weight", c.vocabularySize, h),
            positionEmbeddings: try matrix("embeddings.position_embeddings.weight", c.maxPositions, h),
            tokenTypeEmbeddings: try matrix("embeddings.token_type_embeddings.weight", c.typeVocabularySize, h),
            embeddingNormGamma: try vector("embeddings.LayerNorm.weight", h),
            embeddingNormBeta: try vector("embeddings.LayerNorm.bias", h),
            layers: layers)
    }
}
