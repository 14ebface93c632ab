# Reference fits for PlmKit.Tests.Statistics, made with R's lme4 + multcomp (Debian packages
# r-base-core, r-cran-lme4, r-cran-multcomp). The tests compare PlmKit against these files and
# never need R. Regenerate from the repository root with:
#   Rscript tests/PlmKit.Tests/Statistics/References/make_references.R ../shared/data/swat/results tests/PlmKit.Tests/Statistics/References
suppressMessages({library(lme4); library(multcomp)})
a <- commandArgs(trailingOnly = TRUE)
results <- a[1]; out <- a[2]

fit_case <- function(name, d, eff, ref, random, reml = TRUE, covariate = NULL, tukey = FALSE, resp = "R2_score_test") {
  d$eff <- relevel(factor(d[[eff]]), ref = ref)
  rhs <- c("eff", covariate, sprintf("(1|%s)", random))
  f <- as.formula(paste(resp, "~", paste(rhs, collapse = " + ")))
  m <- lmer(f, data = d, REML = reml)
  cf <- summary(m)$coefficients
  term <- sub("^eff", "", rownames(cf))
  write.csv(data.frame(term = term, estimate = cf[, 1], std_error = cf[, 2], statistic = cf[, 3]),
            file.path(out, paste0(name, "_fixed.csv")), row.names = FALSE)
  vc <- as.data.frame(VarCorr(m))
  write.csv(vc[, c("grp", "vcov", "sdcor")], file.path(out, paste0(name, "_varcomp.csv")), row.names = FALSE)
  write.csv(data.frame(criterion = if (reml) "REML" else "ML", objective = if (reml) REMLcrit(m) else deviance(m),
                       singular = isSingular(m), n = nrow(d), theta = paste(getME(m, "theta"), collapse = ";")),
            file.path(out, paste0(name, "_info.csv")), row.names = FALSE)
  lev <- levels(d$eff)[-1]
  K <- matrix(0, nrow = length(lev), ncol = nrow(cf)); rownames(K) <- lev
  for (i in seq_along(lev)) K[i, i + 1] <- 1
  set.seed(1)
  g <- glht(m, linfct = K)
  s <- summary(g); ci <- confint(g)$confint
  holm <- summary(g, test = adjusted("holm"))$test$pvalues
  write.csv(data.frame(contrast = lev, estimate = s$test$coefficients, std_error = s$test$sigma, z = s$test$tstat,
                       p_adj_single_step = s$test$pvalues, p_holm = as.numeric(holm),
                       conf_low = ci[, "lwr"], conf_high = ci[, "upr"]),
            file.path(out, paste0(name, "_glht.csv")), row.names = FALSE)
  if (tukey) {
    set.seed(1)
    gt <- glht(m, linfct = mcp(eff = "Tukey"))
    st <- summary(gt); cit <- confint(gt)$confint
    write.csv(data.frame(contrast = names(st$test$coefficients), estimate = st$test$coefficients,
                         std_error = st$test$sigma, z = st$test$tstat, p_adj_single_step = st$test$pvalues,
                         conf_low = cit[, "lwr"], conf_high = cit[, "upr"]),
              file.path(out, paste0(name, "_tukey.csv")), row.names = FALSE)
  }
}

dms <- read.csv(file.path(results, "summary_DMS_esm2_150M_all_methods.csv"))
dms$Dataset <- factor(dms$Dataset); dms$Fold <- factor(dms$Fold)
# The study's model fitted by ML; one random factor; nested folds (1|Dataset/Fold).
fit_case("dms_compression_ml", dms, "Compression_method", "mean", c("Dataset", "Fold"), reml = FALSE)
fit_case("dms_compression_dataset_only", dms, "Compression_method", "mean", "Dataset")
fit_case("dms_compression_nested", dms, "Compression_method", "mean", c("Dataset", "Dataset:Fold"))

# Model size table: effect = Model:ModelSize (12 levels, unbalanced: ESM C 6B lacks some datasets),
# all pairs (Tukey), and with log10(dataset size) as a covariate.
mm <- read.csv(file.path(results, "DMS_all_multi_model_metadata.csv"))
mm$ModelLevel <- paste(mm$Model, mm$ModelSize, sep = ":")
mm$log10_size <- log10(mm$dataset_size)
fit_case("dms_models", mm, "ModelLevel", "esm2:15B", c("Dataset", "Fold"), tukey = TRUE)
fit_case("dms_models_covariate", mm, "ModelLevel", "esm2:15B", c("Dataset", "Fold"), covariate = "log10_size")

pc <- read.csv(file.path(results, "summary_PISCES_esm2_150M_all_methods.csv"))
fit_case("pisces_compression", pc, "Compression_method", "mean", c("Dataset", "Fold"))
pm <- read.csv(file.path(results, "PISCES_all_multi_model.csv"))
pm$ModelLevel <- paste(pm$Model, pm$ModelSize, sep = ":")
fit_case("pisces_models", pm, "ModelLevel", "esm2:15B", c("Dataset", "Fold"))

# A small unbalanced table where one level occurs in a single dataset only (written as input too).
set.seed(7)
sub <- dms[dms$Dataset %in% levels(dms$Dataset)[1:6] & dms$Compression_method %in% c("mean", "bos", "pca1"), ]
sub <- sub[sort(sample(nrow(sub), 70)), ]
only <- dms[dms$Dataset == levels(dms$Dataset)[1] & dms$Compression_method == "iDCT1", ]
sub <- droplevels(rbind(sub, only))
write.csv(sub[, c("Dataset", "Fold", "Compression_method", "R2_score_test")], file.path(out, "unbalanced_input.csv"), row.names = FALSE)
fit_case("unbalanced", sub, "Compression_method", "mean", c("Dataset", "Fold"), tukey = TRUE)

# Score against dataset size, as the study plots it: ESM-2 650M's mean R² per dataset on log10(size).
esm650 <- mm[mm$Model == "esm2" & mm$ModelSize == "650M", ]
pts <- aggregate(cbind(R2_score_test, dataset_size) ~ Dataset, data = esm650, FUN = mean)
lf <- summary(lm(R2_score_test ~ log10(dataset_size), data = pts))
write.csv(data.frame(n = nrow(pts), intercept = lf$coefficients[1, 1], slope = lf$coefficients[2, 1],
                     intercept_se = lf$coefficients[1, 2], slope_se = lf$coefficients[2, 2],
                     r_squared = lf$r.squared, slope_p = lf$coefficients[2, 4]),
          file.path(out, "size_regression.csv"), row.names = FALSE)
