"""Numbers as the papers print them, with where they are printed.

These are the targets: the package computes the same quantities from its models
(``cnncourse.analysis.paper_checks``) and the tests assert that they agree, or, where a
paper's own numbers are inconsistent, that the inconsistency is the one we document.
"""

LENET5_PARAMS = {  # LeCun et al. 1998, §II.B: trainable parameters per layer
    "C1": 156, "S2": 12, "C3": 1_516, "S4": 32, "C5": 48_120, "F6": 10_164,
}
LENET5_TOTAL_PARAMS = 60_000  # "only 60,000 trainable free parameters" (§II.B)

ALEXNET_PARAMS_M = 60  # Krizhevsky et al. 2012, abstract: "60 million parameters"

VGG_TABLE2_PARAMS_M = {  # Simonyan & Zisserman 2014, Table 2 (millions)
    "A": 133, "A-LRN": 133, "B": 133, "C": 134, "D": 138, "E": 144,
}

# Szegedy et al. 2014, Table 1: output size, then "params" (in K, where K = 1024: e.g. 3a's
# 163,328 weights print as 159K) and "ops" (millions of multiply-adds).
GOOGLENET_TABLE1 = {
    "conv1": ((64, 112, 112), 2.7, 34),
    "maxpool1": ((64, 56, 56), None, None),
    "conv3": ((192, 56, 56), 112, 360),  # the 3×3 conv row; its "reduce 64" is our 1×1 conv2
    "maxpool2": ((192, 28, 28), None, None),
    "inception3a": ((256, 28, 28), 159, 128),
    "inception3b": ((480, 28, 28), 380, 304),
    "maxpool3": ((480, 14, 14), None, None),
    "inception4a": ((512, 14, 14), 364, 73),
    "inception4b": ((512, 14, 14), 437, 88),
    "inception4c": ((512, 14, 14), 463, 100),
    "inception4d": ((528, 14, 14), 580, 119),
    "inception4e": ((832, 14, 14), 840, 170),
    "maxpool4": ((832, 7, 7), None, None),
    "inception5a": ((832, 7, 7), 1072, 54),
    "inception5b": ((1024, 7, 7), 1388, 71),
    "avgpool": ((1024, 1, 1), None, None),
    "fc": ((1000,), 1000, 1),
}
GOOGLENET_MULTIPLY_ADDS = 1.5e9  # §1 (Introduction): "a computational budget of 1.5 billion multiply-adds at inference time"

# ILSVRC classification, top-5 error (%): GoogLeNet paper Table 2, and ResNet's 2015 entry
# (He et al. 2015, Table 5: ensemble, test set).
ILSVRC_TOP5 = [
    # team, year, place, top-5 error %, uses external data
    ("SuperVision", 2012, "1st", 16.4, "no"),
    ("SuperVision", 2012, "1st", 15.3, "ImageNet 22k"),
    ("Clarifai", 2013, "1st", 11.7, "no"),
    ("Clarifai", 2013, "1st", 11.2, "ImageNet 22k"),
    ("MSRA", 2014, "3rd", 7.35, "no"),
    ("VGG", 2014, "2nd", 7.32, "no"),
    ("GoogLeNet", 2014, "1st", 6.67, "no"),
    ("ResNet (MSRA)", 2015, "1st", 3.57, "no"),
]

RESNET_TABLE1_GFLOPS = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}  # He et al. 2015, Table 1
TORCHVISION_RESNET50_GFLOPS = 4.1  # torchvision's documented figure (v1.5 layout)

RESNET_TABLE2_TOP1 = {  # He et al. 2015, Table 2: ImageNet val top-1 error %, 10-crop
    18: {"plain": 27.94, "resnet": 27.88},
    34: {"plain": 28.54, "resnet": 25.03},
}

RESNET_TABLE3 = {  # He et al. 2015, Table 3: top-1 / top-5 error %, 10-crop, ImageNet val
    "plain-34": (28.54, 10.02), "ResNet-34 A": (25.03, 7.76), "ResNet-34 B": (24.52, 7.46),
    "ResNet-34 C": (24.19, 7.40), "ResNet-50": (22.85, 6.71), "ResNet-101": (21.75, 6.05),
    "ResNet-152": (21.43, 5.71),
}
RESNET_ENSEMBLE_TOP5 = 3.57  # Table 5, ILSVRC 2015 test set
VGG19_GFLOPS = 19.6  # He et al. 2015, §3.3: "the VGG-19 model (19.6 billion FLOPs)"

RESNET_TABLE6 = {  # He et al. 2015, Table 6: CIFAR-10, (params in millions as printed, test error %)
    20: (0.27, 8.75), 32: (0.46, 7.51), 44: (0.66, 7.17), 56: (0.85, 6.97),
    110: (1.7, 6.43), 1202: (19.4, 7.93),
}
