"""The music side: context, policy and rules, candidate sources, the learner and the director facade."""
