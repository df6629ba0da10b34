"""Off-device training and evaluation of Mirrorball's int8 TFLite age model."""
